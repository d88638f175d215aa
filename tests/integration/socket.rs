//! The server over a real socket: a 3 MiB body gets 413 and the server answers afterwards.

use gloss::http::{app, config::Limits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::state;

async fn request(addr: std::net::SocketAddr, head: String, body: Vec<u8>) -> String {
    let mut s = TcpStream::connect(addr).await.expect("connects");
    s.write_all(head.as_bytes()).await.expect("writes head");
    // The server may answer and close before the whole body is sent: ignore write errors.
    let _ = s.write_all(&body).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn oversized_body_over_a_socket_then_healthz() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        axum::serve(listener, app(state(Limits::default())))
            .await
            .unwrap();
    });
    let body = vec![b'a'; 3 * 1024 * 1024];
    let head = format!(
        "POST /v1/annotate HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let reply = request(addr, head, body).await;
    assert!(
        reply.starts_with("HTTP/1.1 413"),
        "got: {}",
        &reply[..reply.len().min(200)]
    );
    assert!(reply.contains("application/problem+json"));
    let health = request(
        addr,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".into(),
        vec![],
    )
    .await;
    assert!(health.starts_with("HTTP/1.1 200"), "got: {health}");
    let ok = "Angela Torres said the buses would run.";
    let head = format!(
        "POST /v1/annotate HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        ok.len()
    );
    assert!(request(addr, head, ok.as_bytes().to_vec())
        .await
        .starts_with("HTTP/1.1 200"));
    server.abort();
}
