//! Splitting a command's words into options (with their values) and
//! operands, the way GNU getopt does: short clusters (`-ni` is `-n -i`,
//! CVE-2025-66032), attached or separate values, `--long=value`, `--` ends
//! options, options may follow operands, and a long option may be cut to
//! any prefix (`--o=x` is `--output=x` to GNU getopt_long and git's
//! parse-options). Pure.

use crate::bash::Word;

/// Where an option's value is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// No value.
    None,
    /// Attached (`-n5`, `--lines=5`).
    Inline(String),
    /// The next word, by index into argv.
    Word(usize),
}

/// One option occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Opt {
    /// `-n` or `--lines`.
    pub name: String,
    /// Its value.
    pub value: Value,
    /// Index into argv of the word the option is written in (an
    /// [`Value::Inline`] value is the end of that word).
    pub word: usize,
}

/// Options and operands of one command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Args {
    /// Options in order.
    pub options: Vec<Opt>,
    /// Indices of operand words in argv.
    pub operands: Vec<usize>,
    /// Indices of words that are options or option values computed at run
    /// time.
    pub dynamic_options: Vec<usize>,
}

impl Args {
    /// Whether an option named `name` (`-n` or `--lines`) is present.
    pub fn has(&self, name: &str) -> bool {
        self.options.iter().any(|o| o.name == name)
    }

    /// The first option in `names`, if any.
    pub fn find<'a>(&'a self, names: &[&str]) -> Option<&'a Opt> {
        self.options
            .iter()
            .find(|o| names.contains(&o.name.as_str()))
    }
}

/// Parses `argv[1..]`. `with_value`: short options taking a value;
/// `long_with_value`: long options taking a value; `long_names`: the other
/// long options the caller looks for (all without `--`). A long option
/// that is not one of these but a prefix of some is taken as the first of
/// them it prefixes, `long_names` first: the program reads an unambiguous
/// prefix as that option and refuses an ambiguous one, so the guess is
/// either right or harmless, and callers list the options that disqualify
/// a command first.
pub(crate) fn parse(
    argv: &[Word],
    with_value: &str,
    long_with_value: &[&str],
    long_names: &[&str],
) -> Args {
    let mut args = Args::default();
    let mut i = 1;
    let mut options_done = false;
    while i < argv.len() {
        let word = &argv[i];
        let value = word.value.as_str();
        if options_done || value == "-" || !value.starts_with('-') {
            args.operands.push(i);
            i += 1;
            continue;
        }
        if word.dynamic {
            args.dynamic_options.push(i);
            i += 1;
            continue;
        }
        if value == "--" {
            options_done = true;
            i += 1;
            continue;
        }
        if let Some(long) = value.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((name, v)) => (name, Some(v.to_string())),
                None => (long, None),
            };
            let name = expand_long(name, long_names, long_with_value);
            let i_option = i;
            let value = match inline {
                Some(v) => Value::Inline(v),
                None if long_with_value.contains(&name) => {
                    i += 1;
                    Value::Word(i)
                }
                None => Value::None,
            };
            args.options.push(Opt {
                name: format!("--{name}"),
                value,
                word: i_option,
            });
            i += 1;
            continue;
        }
        let cluster = &value[1..];
        let i_option = i;
        for (offset, c) in cluster.char_indices() {
            if with_value.contains(c) {
                let rest = &cluster[offset + c.len_utf8()..];
                let value = if rest.is_empty() {
                    i += 1;
                    Value::Word(i)
                } else {
                    Value::Inline(rest.to_string())
                };
                args.options.push(Opt {
                    name: format!("-{c}"),
                    value,
                    word: i_option,
                });
                break;
            }
            args.options.push(Opt {
                name: format!("-{c}"),
                value: Value::None,
                word: i_option,
            });
        }
        i += 1;
    }
    // A value word that is computed at run time is as unknown as an option.
    for opt in &args.options {
        if let Value::Word(w) = opt.value
            && argv.get(w).is_some_and(|w| w.dynamic)
        {
            args.dynamic_options.push(w);
        }
    }
    args
}

/// The long option `name` stands for: itself when known (or unknown), else
/// the first known option it is a prefix of.
fn expand_long<'a>(name: &'a str, long_names: &[&'a str], long_with_value: &[&'a str]) -> &'a str {
    let known = || long_names.iter().chain(long_with_value).copied();
    if name.is_empty() || known().any(|known| known == name) {
        return name;
    }
    known()
        .find(|known| known.starts_with(name))
        .unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<Word> {
        text.split(' ').map(Word::literal).collect()
    }

    #[test]
    fn clusters_values_and_operands() {
        let args = parse(&words("sed -ni.bak -e p f"), "e", &["expression"], &[]);
        let names: Vec<&str> = args.options.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["-n", "-i", "-.", "-b", "-a", "-k", "-e"]);
        assert_eq!(args.operands, [4]);
        let args = parse(&words("head -n5 a -c 3 -- -b"), "nc", &[], &[]);
        assert_eq!(args.options[0].value, Value::Inline("5".into()));
        assert_eq!(args.options[1].value, Value::Word(4));
        assert_eq!(args.operands, [2, 6]);
        let args = parse(
            &words("grep --file pats --color=always x"),
            "",
            &["file"],
            &[],
        );
        assert_eq!(args.options[0].value, Value::Word(2));
        assert_eq!(args.options[1].value, Value::Inline("always".into()));
        assert_eq!(args.operands, [4]);
    }

    #[test]
    fn long_options_may_be_abbreviated() {
        let args = parse(
            &words("sort --o=x --outp y --rev --output-x z"),
            "",
            &["output"],
            &["compress-program"],
        );
        let names: Vec<&str> = args.options.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["--output", "--output", "--rev", "--output-x"]);
        assert_eq!(args.options[1].value, Value::Word(3));
        assert_eq!(args.operands, [6]);
        // An exact name wins over a longer one it prefixes.
        let args = parse(&words("rg --file f --files"), "", &["file"], &["files"]);
        let names: Vec<&str> = args.options.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["--file", "--files"]);
    }
}
