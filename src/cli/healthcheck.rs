//! `gloss healthcheck`: GET /healthz on the server this process would serve on, exit 0 on 200.
//! The runtime image has no curl; this keeps its HEALTHCHECK self-contained.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args)]
pub struct HealthcheckArgs {
    /// The server's address (an unspecified address such as 0.0.0.0 probes loopback).
    #[arg(long, env = "GLOSS_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
}

pub fn run(a: HealthcheckArgs) -> anyhow::Result<ExitCode> {
    let mut addr = a.addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let timeout = Duration::from_secs(3);
    let mut s = TcpStream::connect_timeout(&addr, timeout)?;
    s.set_read_timeout(Some(timeout))?;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
    let mut reply = String::new();
    s.read_to_string(&mut reply)?;
    if reply.starts_with("HTTP/1.1 200") {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "gloss healthcheck: {}",
            reply.lines().next().unwrap_or("no answer")
        );
        Ok(ExitCode::FAILURE)
    }
}
