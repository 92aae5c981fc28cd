//! The `execora` binary: a thin shell over the library's command-line entry point.

fn main() -> std::process::ExitCode {
    execora::cli::main()
}
