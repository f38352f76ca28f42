//! The built-in secrets list: files that hold credentials, whose reads and
//! writes the permission policy denies unless a rule names them, and which
//! the tools that walk directories (Grep) skip.
//!
//! It lives here, with the rest of the permission vocabulary, because two
//! crates of one rank need the same answer: `rudder-policy` judges a path
//! a call names, `rudder-tools` skips the files a recursive search finds
//! below a path the policy judged. A pure function over paths the caller
//! resolved: no I/O.
//!
//! Contract: USER-PAINS.md §5.4 (a default secret-path deny list enforced
//! in code for file tools and bash file arguments).

use std::path::Path;

/// Template files that look like `.env` files but are meant to be shared.
const ENV_TEMPLATES: &[&str] = &[".env.example", ".env.sample", ".env.template"];

/// Extensions of private-key and certificate-bundle files.
const KEY_EXTENSIONS: &[&str] = &["pem", "key", "p12", "pfx"];

/// Base names of SSH private keys (a `.pub` suffix is public and exempt).
const SSH_KEY_PREFIXES: &[&str] = &["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"];

/// Paths below the home directory that hold credentials: the directory
/// itself and everything below it.
const HOME_SECRET_TREES: &[&str] = &[
    ".ssh",
    ".aws",
    ".gnupg",
    ".azure",
    ".config/gcloud",
    ".docker/config.json",
    ".kube/config",
    ".config/gh/hosts.yml",
    ".netrc",
    ".pgpass",
    ".git-credentials",
    ".npmrc",
    ".pypirc",
    ".rudder/credentials.json",
    ".rudder/.credentials.json",
    ".claude/.credentials.json",
];

/// Why `path` is on the built-in secrets deny list, or `None`.
///
/// The list, and why each entry is on it:
/// - `.env` and `.env.*` files anywhere (except `.env.example`,
///   `.env.sample`, `.env.template`): they hold API keys and passwords and
///   were read and leaked by agents (CC#7921);
/// - `*.pem`, `*.key`, `*.p12`, `*.pfx` anywhere: private keys and
///   certificate bundles;
/// - `id_rsa*`, `id_dsa*`, `id_ecdsa*`, `id_ed25519*` anywhere, except
///   `*.pub`: SSH private keys;
/// - below the home directory: `~/.ssh/**`, `~/.aws/**`, `~/.gnupg/**`,
///   `~/.azure/**`, `~/.config/gcloud/**` (cloud and signing credentials),
///   `~/.docker/config.json`, `~/.kube/config`, `~/.config/gh/hosts.yml`,
///   `~/.netrc`, `~/.pgpass`, `~/.git-credentials`, `~/.npmrc`, `~/.pypirc`
///   (registry, cluster and service tokens), and rudder's and Claude
///   Code's own credential files under `~/.rudder` and `~/.claude`.
///
/// Reads and writes of these are denied in every mode unless a `Read(...)`
/// or `Edit(...)` allow rule names the path explicitly.
pub fn secret_reason(path: &Path, home: &Path) -> Option<String> {
    if let Ok(rel) = path.strip_prefix(home) {
        for tree in HOME_SECRET_TREES {
            if rel.starts_with(tree) {
                return Some(format!("`~/{tree}` holds credentials"));
            }
        }
    }
    let name = path.file_name()?.to_str()?;
    if (name == ".env" || name.starts_with(".env.")) && !ENV_TEMPLATES.contains(&name) {
        return Some(format!("`{name}` files hold environment secrets"));
    }
    if let Some((stem, ext)) = name.rsplit_once('.')
        && !stem.is_empty()
        && KEY_EXTENSIONS.contains(&ext)
    {
        return Some(format!("`*.{ext}` files hold private keys"));
    }
    if SSH_KEY_PREFIXES.iter().any(|p| name.starts_with(p)) && !name.ends_with(".pub") {
        return Some("SSH private keys".to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: &str = "/home/u";

    fn secret(path: &str) -> bool {
        secret_reason(Path::new(path), Path::new(HOME)).is_some()
    }

    #[test]
    fn secrets() {
        for path in [
            "/p/.env",
            "/p/.env.local",
            "/p/.env.production",
            "/p/k/server.pem",
            "/p/tls.key",
            "/p/id_rsa",
            "/p/id_ed25519_work",
            "/home/u/.ssh/config",
            "/home/u/.ssh",
            "/home/u/.aws/credentials",
            "/home/u/.netrc",
            "/home/u/.config/gcloud/x.db",
            "/home/u/.rudder/credentials.json",
        ] {
            assert!(secret(path), "{path}");
        }
        for path in [
            "/p/.env.example",
            "/p/.envrc",
            "/p/env",
            "/p/id_rsa.pub",
            "/p/src/main.rs",
            "/p/.key",
            "/p/keys.rs",
            "/home/u/.sshx",
            "/home/u/project/.npmrc.bak",
        ] {
            assert!(!secret(path), "{path}");
        }
    }
}
