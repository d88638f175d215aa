//! The `gloss` binary: a thin entry point into the CLI shell.

fn main() -> std::process::ExitCode {
    gloss::cli::run()
}
