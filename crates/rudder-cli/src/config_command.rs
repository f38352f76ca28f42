//! `rudder config`: the merged settings, one line per value with the file
//! it came from, and what the folder's trust answer withholds. Reads
//! files only; runs nothing a setting names.

use crate::args::Args;
use crate::exit::Exit;
use crate::setup::Context;

/// Prints the settings as a session in this folder would see them.
/// Returns [`Exit::Success`], or the setup error's status with a message.
pub fn run(args: &Args) -> Exit {
    let context = match Context::load(args) {
        Ok(context) => context,
        Err(error) => {
            eprintln!("rudder config: {error}");
            return error.exit();
        }
    };
    for notice in &context.notices {
        eprintln!("rudder: {notice}");
    }
    print!(
        "{}",
        rudder_config::settings::render_provenance(&context.loaded)
    );
    Exit::Success
}
