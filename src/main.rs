use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = hamkor::cli::Cli::parse();
    match hamkor::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("hamkor: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
