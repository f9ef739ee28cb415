//! Integration tests: the real service over real HTTP against a real PostgreSQL.
//! One binary, so the throwaway PostgreSQL starts once per test run.

mod corpus;
mod support;
mod synthetic_marc;

mod access;
mod agreements;
mod cli;
mod documents;
mod exchanges;
mod hostile;
mod http_spec;
mod ill;
mod ill_iso18626;
mod import;
mod import_fixtures;
mod import_history;
mod loaders;
mod nodes;
mod oai;
mod outage;
mod partners;
mod processes;
mod projects;
mod schema;
mod search;
mod search_processes;
mod search_writer;
mod seed;
mod tokens;
