//! A bare tonic server answering one unary call: what this machine can do at best.

#![forbid(unsafe_code)]

use onewindow_bench::hello::hello_server::{Hello, HelloServer};
use onewindow_bench::hello::{HelloReply, HelloRequest};
use tonic::{Request, Response, Status};

struct Greeter;

#[tonic::async_trait]
impl Hello for Greeter {
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        Ok(Response::new(HelloReply {
            message: format!("hello {}", request.into_inner().name),
        }))
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr: std::net::SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:50099".into())
        .parse()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("hello server on {}", listener.local_addr()?);
    tonic::transport::Server::builder()
        .add_service(HelloServer::new(Greeter))
        .serve_with_incoming_shutdown(
            tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
            onewindow_kit::serve::shutdown_signal(),
        )
        .await?;
    Ok(())
}
