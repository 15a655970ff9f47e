//! The accept loop's step shared by the HTTP transport and the page-only server (`uniprov web`):
//! a connection is accepted only when a slot of the connection limit is free, and the wait for
//! either ends as soon as the server is told to shut down.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The next connection with its slot of `limit` (dropped when the connection ends), or `None`
/// once `shutdown` completed. A failed accept (out of descriptors and the like) is logged and
/// retried after a pause instead of spinning.
pub(super) async fn accept_within_limit<S: Future<Output = ()> + ?Sized>(
    listener: &TcpListener,
    limit: &Arc<Semaphore>,
    shutdown: &mut Pin<&mut S>,
) -> Option<(TcpStream, SocketAddr, OwnedSemaphorePermit)> {
    loop {
        let permit = tokio::select! {
            () = shutdown.as_mut() => return None,
            permit = Arc::clone(limit).acquire_owned() => permit.ok()?,
        };
        let accepted = tokio::select! {
            () = shutdown.as_mut() => return None,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => return Some((stream, peer, permit)),
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}
