//! Classification tests through the real parser.

use super::*;
use crate::bash::{AnalyzeOptions, analyze};

fn classes(command: &str) -> Vec<(String, CommandClass)> {
    let analysis = analyze(command, &AnalyzeOptions::default());
    analysis
        .commands
        .iter()
        .map(|c| (c.inner_text(), classify(c).class))
        .collect()
}

fn class_of(command: &str) -> CommandClass {
    let all = classes(command);
    assert_eq!(all.len(), 1, "{command}: {all:?}");
    all[0].1
}

#[test]
fn read_only_set() {
    use CommandClass::*;
    let cases = [
        ("ls -la src", ReadOnly),
        ("cat README.md", ReadOnly),
        ("head -n 5 f", ReadOnly),
        ("grep -rn foo src", ReadOnly),
        ("rg -n foo", ReadOnly),
        ("rg --pre ./evil foo", Other),
        ("rg -z foo", Other),
        ("find . -name '*.rs'", ReadOnly),
        ("find . -delete", Other),
        ("find . -fprint /tmp/x", Other),
        ("find . -exec cat {} ;", Other),
        ("sed -n 1,5p f", ReadOnly),
        ("sed -n 's/a/b/w /tmp/x' f", Other),
        ("sed 's/a/b/' f", Other),
        ("sed -ni p f", Other),
        ("sed -n -e p -i f", Other),
        ("git status", ReadOnly),
        ("git -c core.pager=evil log", Other),
        ("sort -o out f", Other),
        ("uniq a b", Other),
        ("uniq a", ReadOnly),
        ("tree -o out", Other),
        ("echo $HOME", ReadOnly),
        ("sudo cat /etc/shadow", Other),
        ("timeout 5 cat f", ReadOnly),
        ("PATH=/tmp cat f", Other),
        ("LANG=C cat f", ReadOnly),
        ("curl https://example.com", Other),
        ("wget x", Other),
        ("nc -l 1234", Other),
        ("mkdir -p a/b", FileEdit),
        ("rm -rf build", FileEdit),
        ("export A=1", ShellState),
        ("python -c 'print(1)'", Other),
    ];
    for (command, expected) in cases {
        assert_eq!(class_of(command), expected, "{command}");
    }
}

#[test]
fn operands_and_values() {
    let analysis = analyze("grep -e pat -A 3 f1 f2", &AnalyzeOptions::default());
    let c = classify(&analysis.commands[0]);
    let words: Vec<&str> = c
        .operands
        .iter()
        .map(|o| analysis.commands[0].argv[o.word].value.as_str())
        .collect();
    assert_eq!(words, ["f1", "f2"]);

    let analysis = analyze("grep pat f1", &AnalyzeOptions::default());
    let c = classify(&analysis.commands[0]);
    assert_eq!(c.operands.len(), 1);

    let analysis = analyze("cp -r src /etc/dst", &AnalyzeOptions::default());
    let c = classify(&analysis.commands[0]);
    assert_eq!(
        c.operands.iter().map(|o| o.access).collect::<Vec<_>>(),
        [Access::Read, Access::Write]
    );

    let analysis = analyze("cat $X", &AnalyzeOptions::default());
    let c = classify(&analysis.commands[0]);
    assert!(c.unresolved.is_some());
    assert!(c.operands.is_empty());

    let analysis = analyze("ls | xargs cat", &AnalyzeOptions::default());
    let c = classify(&analysis.commands[1]);
    assert!(c.unresolved.is_some());
}

#[test]
fn unknown_programs_may_run_arguments() {
    let analysis = analyze("watch rm x", &AnalyzeOptions::default());
    assert!(classify(&analysis.commands[0]).may_run_arguments);
    let analysis = analyze("git commit -m 'rm -rf /'", &AnalyzeOptions::default());
    assert!(!classify(&analysis.commands[0]).may_run_arguments);
}
