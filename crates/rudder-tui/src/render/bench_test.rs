//! Frame cost against transcript length (issue 8 bench, run by
//! `bench/tui.sh`; ignored in normal test runs): a session with 10 and with
//! 10 000 finished messages, then a streaming answer drawn frame by frame
//! (view built, rendered and diffed by ratatui into a 100×40 test
//! terminal). Finished messages live in the terminal's scrollback, not in
//! the app, so the two must cost the same (within 20%).

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use rudder_protocol::ContentBlock;
use rudder_protocol::event::AgentEvent;
use rudder_protocol::message::{AssistantMessage, Message, Role};
use rudder_protocol::stream::{Delta, StreamEvent};
use rudder_protocol::usage::Usage;

use super::view;
use super::wrap::wrap_lines;
use crate::app::App;
use crate::options::TuiOptions;
use crate::testing::app_with;

const WIDTH: u16 = 100;
const HEIGHT: u16 = 40;
/// Frames measured per run.
const FRAMES: usize = 400;

fn assistant(text: String) -> AgentEvent {
    AgentEvent::AssistantMessage {
        uuid: String::new(),
        message: AssistantMessage {
            id: "msg".into(),
            kind: "message".into(),
            role: Role::Assistant,
            model: "claude-sonnet-4-5".into(),
            content: vec![ContentBlock::text(text)],
            stop_reason: None,
            stop_sequence: None,
            usage: Usage::default(),
        },
        parent_tool_use_id: None,
    }
}

/// An app whose transcript holds `messages` finished messages (a prompt
/// and a markdown answer each, every tenth with a code block), already
/// written out to "scrollback".
fn app_with_history(messages: usize) -> App {
    let (mut app, _driver) = app_with(TuiOptions::default());
    app.on_resize(WIDTH, HEIGHT);
    for index in 0..messages / 2 {
        app.on_agent_event(AgentEvent::UserMessage {
            uuid: String::new(),
            message: Message::user_text(format!("question number {index}")),
            tool_use_result: None,
            parent_tool_use_id: None,
        });
        let code = if index % 10 == 0 {
            "\n\n```rust\nfn main() {\n    println!(\"hi\");\n}\n```\n"
        } else {
            ""
        };
        app.on_agent_event(assistant(format!(
            "Answer {index}: the **function** `add` is fine.\n\n- one\n- two{code}"
        )));
        let _ = wrap_lines(&app.take_output(), usize::from(WIDTH));
    }
    app.on_agent_event(AgentEvent::Stream {
        event: StreamEvent::MessageStart {
            message: AssistantMessage {
                id: "live".into(),
                kind: "message".into(),
                role: Role::Assistant,
                model: "claude-sonnet-4-5".into(),
                content: Vec::new(),
                stop_reason: None,
                stop_sequence: None,
                usage: Usage::default(),
            },
        },
        parent_tool_use_id: None,
    });
    app
}

/// A frame drawer for one app: a 100×40 test terminal.
struct Drawer {
    app: App,
    terminal: Terminal<TestBackend>,
    frame: usize,
}

impl Drawer {
    fn new(app: App) -> Self {
        let terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT))
            .unwrap_or_else(|error| panic!("test terminal: {error}"));
        Self {
            app,
            terminal,
            frame: 0,
        }
    }

    /// One more word streams in; returns the time to draw the frame.
    fn frame(&mut self) -> Duration {
        self.frame += 1;
        self.app.on_agent_event(AgentEvent::Stream {
            event: StreamEvent::ContentBlockDelta {
                index: 0,
                delta: Delta::TextDelta {
                    text: format!("word{} ", self.frame),
                },
            },
            parent_tool_use_id: None,
        });
        let started = Instant::now();
        let output = wrap_lines(&self.app.take_output(), usize::from(WIDTH));
        let built = view::build(&self.app, Instant::now(), HEIGHT);
        let height = built.height().min(HEIGHT);
        self.terminal
            .draw(|screen| {
                built.render(Rect::new(0, 0, WIDTH, height), screen.buffer_mut());
            })
            .unwrap_or_else(|error| panic!("draw: {error}"));
        let elapsed = started.elapsed();
        std::hint::black_box(output);
        elapsed
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

#[test]
#[ignore = "benchmark: run by bench/tui.sh"]
fn frame_cost_follows_the_viewport_not_the_history() {
    let mut small = Drawer::new(app_with_history(10));
    let mut large = Drawer::new(app_with_history(10_000));
    // Frames alternate between the two, so load from other processes on
    // the machine hits both alike.
    let (mut small_times, mut large_times) = (Vec::new(), Vec::new());
    for index in 0..FRAMES {
        if index % 2 == 0 {
            small_times.push(small.frame());
            large_times.push(large.frame());
        } else {
            large_times.push(large.frame());
            small_times.push(small.frame());
        }
    }
    let (small_time, large_time) = (median(small_times), median(large_times));
    let ratio = large_time.as_secs_f64() / small_time.as_secs_f64();
    println!(
        "frame (median of {FRAMES}): 10 messages {:.1} µs, 10000 messages {:.1} µs, ratio {ratio:.2}",
        small_time.as_secs_f64() * 1e6,
        large_time.as_secs_f64() * 1e6
    );
    assert!(
        ratio < 1.2,
        "frames got {ratio:.2}× slower with a long history"
    );
}
