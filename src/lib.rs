//! hamkor: one GraphQL API over a national library's international cooperation: partner
//! institutions, agreements, joint projects, exchanged documents, holdings and
//! interlibrary loan.

/// `println!` that never panics: what is written to a closed pipe (`hamkor import … | head`,
/// a `tee` stopped by Ctrl-C) is dropped instead.
#[macro_export]
macro_rules! out {
    () => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock());
    }};
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

pub mod access;
pub mod aggregate;
pub mod agreement;
pub mod app;
pub mod audit;
pub mod backoff;
pub mod bench;
pub mod cli;
pub mod config;
pub mod db;
pub mod document;
pub mod error;
pub mod exchange;
pub mod global_id;
pub mod graphql;
pub mod holding;
pub mod http;
pub mod ill;
pub mod marc;
pub mod partner;
pub mod project;
pub mod search;
pub mod seed;
pub mod telemetry;
#[cfg(test)]
mod test_corpus;
mod text_enum;
pub mod token;
pub mod validate;
