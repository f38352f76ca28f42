//! Whether a sed script only prints: the commands that write files (`w`,
//! `W`, the `w` flag of `s`), run programs (`e`, the `e` flag of `s`) or
//! read other files (`r`, `R`) are refused, and so is anything this scanner
//! does not understand (CVE-2025-64755: `sed` parsing bypassed read-only
//! validation and wrote files).
//!
//! Owns a conservative scanner of GNU sed syntax: addresses, `!`, blocks,
//! `s///` and `y///` with any delimiter, bracket expressions in regexes (in
//! which GNU sed does not end a regex at the delimiter), labels and
//! comments. Pure.

/// Commands that take no argument and only print, move or edit the pattern
/// space.
const SIMPLE: &str = "pPdDnNgGhHxz=lFqQ";

/// Flags of `s` that only change matching or printing.
const S_FLAGS: &str = "gpiImM0123456789";

/// Returns `Ok(())` when `script` only prints, else why not.
pub(crate) fn check_script(script: &str) -> Result<(), String> {
    let chars: Vec<char> = script.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        i = skip_blank(&chars, i);
        if i >= chars.len() {
            break;
        }
        match chars[i] {
            ';' | '\n' | '}' => {
                i += 1;
                continue;
            }
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        i = address(&chars, i)?;
        i = skip_blank(&chars, i);
        if i < chars.len() && chars[i] == ',' {
            i = address(&chars, skip_blank(&chars, i + 1))?;
        }
        i = skip_blank(&chars, i);
        while i < chars.len() && chars[i] == '!' {
            i = skip_blank(&chars, i + 1);
        }
        let Some(&command) = chars.get(i) else {
            return Err("sed script ends after an address".into());
        };
        i += 1;
        match command {
            '{' => {}
            c if SIMPLE.contains(c) => {
                // `l N`, `q N`, `Q N`: optional number.
                i = skip_blank(&chars, i);
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            ':' | 'b' | 't' | 'T' => {
                while i < chars.len() && chars[i] != ';' && chars[i] != '\n' {
                    i += 1;
                }
            }
            's' => {
                let delim = *chars.get(i).ok_or("unterminated `s` command")?;
                if delim == '\\' || delim == '\n' {
                    return Err("unsupported `s` delimiter".into());
                }
                i = regex_part(&chars, i + 1, delim)?;
                i = plain_part(&chars, i, delim)?;
                while i < chars.len() && !matches!(chars[i], ';' | '\n' | '}' | ' ' | '\t') {
                    if !S_FLAGS.contains(chars[i]) {
                        return Err(format!(
                            "sed `s` flag `{}` is not allowed in a read-only command (it can write files or run programs)",
                            chars[i]
                        ));
                    }
                    i += 1;
                }
            }
            'y' => {
                let delim = *chars.get(i).ok_or("unterminated `y` command")?;
                i = plain_part(&chars, i + 1, delim)?;
                i = plain_part(&chars, i, delim)?;
            }
            other => {
                return Err(format!(
                    "sed command `{other}` is not allowed in a read-only command"
                ));
            }
        }
    }
    Ok(())
}

fn skip_blank(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && (chars[i] == ' ' || chars[i] == '\t') {
        i += 1;
    }
    i
}

/// One address (or none): a line number, `$`, `first~step`, `/re/` or
/// `\cREc` with `I`/`M` flags, or GNU `+N`/`~N` after a comma.
fn address(chars: &[char], mut i: usize) -> Result<usize, String> {
    match chars.get(i) {
        Some(c) if c.is_ascii_digit() || *c == '+' || *c == '~' => {
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '~') {
                i += 1;
            }
        }
        Some('$') => i += 1,
        Some('/') => {
            i = regex_part(chars, i + 1, '/')?;
            while i < chars.len() && (chars[i] == 'I' || chars[i] == 'M') {
                i += 1;
            }
        }
        Some('\\') => {
            let delim = *chars.get(i + 1).ok_or("unterminated address")?;
            i = regex_part(chars, i + 2, delim)?;
            while i < chars.len() && (chars[i] == 'I' || chars[i] == 'M') {
                i += 1;
            }
        }
        _ => {}
    }
    Ok(i)
}

/// A regex up to its closing `delim`; returns the index after it.
fn regex_part(chars: &[char], mut i: usize, delim: char) -> Result<usize, String> {
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '[' => i = bracket(chars, i + 1)?,
            c if c == delim => return Ok(i + 1),
            '\n' => return Err("newline inside a sed regex".into()),
            _ => i += 1,
        }
    }
    Err("unterminated sed regex".into())
}

/// A bracket expression body starting after `[`; returns the index after `]`.
fn bracket(chars: &[char], mut i: usize) -> Result<usize, String> {
    if chars.get(i) == Some(&'^') {
        i += 1;
    }
    if chars.get(i) == Some(&']') {
        i += 1;
    }
    while i < chars.len() {
        match chars[i] {
            ']' => return Ok(i + 1),
            '[' if matches!(chars.get(i + 1), Some(':' | '.' | '=')) => {
                let close = chars[i + 1];
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == close && chars[i + 1] == ']') {
                    i += 1;
                }
                i += 2;
            }
            _ => i += 1,
        }
    }
    Err("unterminated bracket expression in a sed regex".into())
}

/// A replacement or `y` set up to `delim`; returns the index after it.
fn plain_part(chars: &[char], mut i: usize, delim: char) -> Result<usize, String> {
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            c if c == delim => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err("unterminated sed replacement".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let ok = [
            "p",
            "1,10p",
            "$p",
            "/foo/p",
            "/foo/,/bar/{p;=}",
            "s/a/b/g",
            "s|a/b|c|gp",
            "s/[/]/X/p",
            "s/[[:alpha:]/]/X/",
            "/x/!d",
            "0~3p",
            "\\%re%Ip",
            "y/abc/xyz/",
            "l 40",
            "# comment\np",
            ":a;N;ba",
        ];
        for script in ok {
            assert_eq!(check_script(script), Ok(()), "{script}");
        }
        let refused = [
            "w /tmp/x",
            "1w out",
            "s/a/b/w /tmp/x",
            "s/a/b/e",
            "s/a/b/gw out",
            "e id",
            "r /etc/passwd",
            "R f",
            "W f",
            "a text",
            "i text",
            "c text",
            "s/[/]/x/w /tmp/evil",
            "s/a/b",
            "/unterminated",
            "s/a/b/x",
            "1",
        ];
        for script in refused {
            assert!(check_script(script).is_err(), "{script}");
        }
    }
}
