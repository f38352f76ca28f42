//! Splitting a command's words into options (with their values) and
//! operands, the way GNU getopt does: short clusters (`-ni` is `-n -i`,
//! CVE-2025-66032), attached or separate values, `--long=value`, `--` ends
//! options, options may follow operands. Pure.

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
/// `long_with_value`: long options taking a value.
pub(crate) fn parse(argv: &[Word], with_value: &str, long_with_value: &[&str]) -> Args {
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
            });
            i += 1;
            continue;
        }
        let cluster = &value[1..];
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
                });
                break;
            }
            args.options.push(Opt {
                name: format!("-{c}"),
                value: Value::None,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<Word> {
        text.split(' ').map(Word::literal).collect()
    }

    #[test]
    fn clusters_values_and_operands() {
        let args = parse(&words("sed -ni.bak -e p f"), "e", &["expression"]);
        let names: Vec<&str> = args.options.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["-n", "-i", "-.", "-b", "-a", "-k", "-e"]);
        assert_eq!(args.operands, [4]);
        let args = parse(&words("head -n5 a -c 3 -- -b"), "nc", &[]);
        assert_eq!(args.options[0].value, Value::Inline("5".into()));
        assert_eq!(args.options[1].value, Value::Word(4));
        assert_eq!(args.operands, [2, 6]);
        let args = parse(&words("grep --file pats --color=always x"), "", &["file"]);
        assert_eq!(args.options[0].value, Value::Word(2));
        assert_eq!(args.options[1].value, Value::Inline("always".into()));
        assert_eq!(args.operands, [4]);
    }
}
