//! The `registrar` binary: parse the command line and run it.

fn main() -> std::process::ExitCode {
    server::cli::main()
}
