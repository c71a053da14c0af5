//! `liftoff`: the one binary users run — the control plane (`up`, `serve`), the agent, the
//! demo, and the client commands.

use std::process::ExitCode;

use clap::Parser;

/// jemalloc rather than glibc's malloc (see docs/benchmarks.md, "Fleet scale").
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

mod access;
mod bench;
mod bench_fleet;
mod bench_throughput;
mod cli;
mod client;
mod commands;
mod demo;
mod history_cmd;
mod hosts;
mod operate;
mod progress;
mod server;

use cli::{Cli, Command};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Agent(_) = &cli.command {
        liftoff_agent::cli::hide_enroll_token_from_argv();
    }
    let default_filter = match &cli.command {
        Command::Up { .. } | Command::Serve(_) | Command::Agent(_) => "info",
        Command::Demo { .. } | Command::Bench(_) => "warn",
        // What the hooks and the bundle's checks warn about is in the command's own output.
        Command::Local(_) => "error",
        _ => "error",
    };
    // Spans of an agent are told apart from the control plane's by their service name.
    let service = match &cli.command {
        Command::Agent(_) => "liftoff-agent",
        _ => "liftoff",
    };
    let _telemetry = liftoff_kit::telemetry::init(service, default_filter);
    let json = cli.global.json;
    match run(cli).await {
        Ok(code) => code,
        Err(err) => {
            client::print_error(json, &err);
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let g = cli.global;
    match cli.command {
        Command::Up {
            listen,
            database_url,
            options,
            auth,
        } => server::up(&g, listen, database_url, options.settings(), auth).await,
        Command::Serve(args) => server::serve(args).await,
        Command::Agent(args) => server::agent(args).await,
        Command::Openapi { out, check } => server::openapi(&out, check),
        Command::Demo {
            hosts,
            zones,
            exit,
            listen,
        } => demo::run(&g, hosts, zones, exit, listen).await,
        Command::History(cmd) => history_cmd::run(&g, cmd).await,
        Command::Audit(args) => history_cmd::audit(&g, args).await,
        Command::Bench(cli::BenchCmd::Rollout(args)) => bench::rollout(&g, args).await,
        Command::Local(args) => commands::local::run(&g, args).await,
        Command::Bench(cli::BenchCmd::Throughput(args)) => {
            bench_throughput::throughput(&g, args).await
        }
        Command::Bench(cli::BenchCmd::Fleet(args)) => bench_fleet::fleet(&g, args).await,
        other => client::run(&g, other).await,
    }
}
