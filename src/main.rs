//! The `stanceline` binary: parse the command line, run a subcommand, map the outcome to an
//! exit code. All the work lives in the library and in `cli/`.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(err) => {
            if cli::is_broken_pipe(&err) {
                // The reader went away (`| head`): that is how pipes end, not a failure.
                return ExitCode::SUCCESS;
            }
            if err.downcast_ref::<cli::interrupt::Interrupted>().is_some() {
                eprintln!("stanceline: interrupted (an -o file is not written)");
                return ExitCode::from(cli::interrupt::EXIT_INTERRUPTED);
            }
            eprintln!("stanceline: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
