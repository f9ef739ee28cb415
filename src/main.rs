use clap::Parser;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = hamkor::cli::Cli::parse();
    match hamkor::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr().lock(), "hamkor: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
