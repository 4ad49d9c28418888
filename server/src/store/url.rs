//! Database URLs: which ones this build can open, and how they are shown (never with the
//! password they may carry).

use super::StoreError;

/// The schemes this build opens.
const SUPPORTED: &str = "sqlite://PATH (for example sqlite://data/modelwatch.db) or \
     postgres://USER:PASSWORD@HOST:PORT/DATABASE";

/// The database a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// `url` with any password replaced by `***`, for logs and error messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    // The authority ends at the first '/', '?' or '#'; a password sits before its last '@'.
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
        None => url.to_owned(),
    }
}

/// Which database `url` names; refuses every URL this build cannot open, before anything is
/// created (a URL that is neither would otherwise be taken for a SQLite file name).
pub fn check(url: &str) -> Result<Backend, StoreError> {
    let unsupported = |reason: String| StoreError::UnsupportedUrl {
        url: redact(url),
        reason,
    };
    let scheme = url
        .split_once(':')
        .map(|(scheme, _)| scheme)
        .filter(|scheme| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        });
    match scheme {
        // sqlx reads only the lowercase prefix; anything else would become a file name.
        Some("sqlite") => Ok(Backend::Sqlite),
        Some("postgres" | "postgresql") => Ok(Backend::Postgres),
        Some(scheme) => Err(unsupported(format!(
            "the scheme {scheme:?} is not supported; use {SUPPORTED}"
        ))),
        None => Err(unsupported(format!("no scheme; use {SUPPORTED}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact("postgres://user:s3cret@db.example:5432/mw"),
            "postgres://user:***@db.example:5432/mw"
        );
        assert_eq!(
            redact("postgres://user:p@ss@db.example/mw?sslmode=require"),
            "postgres://user:***@db.example/mw?sslmode=require"
        );
        assert_eq!(redact("postgres://user@db/mw"), "postgres://user@db/mw");
        assert_eq!(redact("sqlite://data/x.db"), "sqlite://data/x.db");
        assert_eq!(redact("sqlite://a/b@c:d"), "sqlite://a/b@c:d");
    }

    #[test]
    fn sqlite_and_postgres_urls_are_accepted() {
        for (good, backend) in [
            ("sqlite://data/x.db", Backend::Sqlite),
            ("sqlite:///tmp/x.db", Backend::Sqlite),
            ("sqlite::memory:", Backend::Sqlite),
            (
                "postgres://user:s3cret@127.0.0.1:5432/db",
                Backend::Postgres,
            ),
            ("postgresql://h/db", Backend::Postgres),
        ] {
            assert_eq!(check(good).expect(good), backend, "{good}");
        }
        for bad in [
            "mysql://h/db",
            "mysql://user:s3cret@h/db",
            "SQLite://x.db",
            "data/modelwatch.db",
            "/tmp/x.db",
            "",
        ] {
            let error = check(bad).expect_err(bad).to_string();
            assert!(error.contains("sqlite://"), "{error}");
            assert!(!error.contains("s3cret"), "{error}");
        }
    }
}
