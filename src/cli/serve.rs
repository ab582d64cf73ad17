//! `headroom serve`.

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use clap::Args;

use headroom::serve::{Exporter, ServeConfig};
use headroom::Error;

#[derive(Args)]
pub struct ServeArgs {
    /// The configuration: Prometheus to read, rules to evaluate (YAML; see docs/cli.md).
    #[arg(long)]
    pub config: String,
    /// Listen on this address instead of the configuration's (default 127.0.0.1:9847).
    #[arg(long)]
    pub listen: Option<String>,
}

pub fn run(a: ServeArgs) -> Result<ExitCode, Error> {
    let mut config = ServeConfig::from_file(&a.config)?;
    if let Some(listen) = a.listen {
        config.listen = listen;
    }
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(&stop)).map_err(|source| Error::Io {
            path: "signal handler".into(),
            source,
        })?;
    }
    let exporter = Exporter::bind(config)?;
    eprintln!(
        "headroom serve: listening on http://{}/metrics",
        exporter.local_addr()
    );
    exporter.run(stop)?;
    eprintln!("headroom serve: stopped");
    Ok(ExitCode::SUCCESS)
}
