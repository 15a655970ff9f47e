//! Read deadlines of an HTTP connection: an idle keep-alive timeout between requests and a
//! header read timeout once the next request has started to arrive.
//!
//! hyper's own header timer starts as soon as it waits for a request head, so it cannot tell
//! an idle keep-alive connection from a slow request. This wrapper can: the service marks the
//! connection busy while it handles a request ([`Activity`]); while not busy, a connection that
//! has sent nothing of its next request gets `idle` time, and one that has started gets
//! `header` time in total. When a deadline passes, reads report end of stream and hyper closes
//! the connection without writing anything.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// Shared between a connection's IO and its service: is a request being handled?
#[derive(Debug, Default)]
pub(crate) struct Activity {
    busy: AtomicBool,
}

impl Activity {
    /// Marks the connection busy until the returned guard is dropped.
    pub fn busy(self: &Arc<Self>) -> BusyGuard {
        self.busy.store(true, Ordering::Release);
        BusyGuard(Arc::clone(self))
    }

    fn is_busy(&self) -> bool {
        self.busy.load(Ordering::Acquire)
    }
}

/// Clears the busy mark on drop.
pub(crate) struct BusyGuard(Arc<Activity>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.busy.store(false, Ordering::Release);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for the first byte of the next request.
    Idle,
    /// Bytes of the next request arrived; the head is not complete yet.
    Head,
    /// The service is handling a request (no read deadline: the body has its own timeout).
    Busy,
}

/// An IO object whose reads end when the current phase's deadline passes.
pub(crate) struct DeadlineIo<T> {
    inner: T,
    activity: Arc<Activity>,
    idle: Duration,
    header: Duration,
    phase: Phase,
    deadline: Pin<Box<Sleep>>,
}

impl<T> DeadlineIo<T> {
    /// Wraps `inner`; the idle deadline starts now.
    pub fn new(inner: T, activity: Arc<Activity>, idle: Duration, header: Duration) -> Self {
        Self {
            inner,
            activity,
            idle,
            header,
            phase: Phase::Idle,
            deadline: Box::pin(tokio::time::sleep(idle)),
        }
    }

    fn enter(&mut self, phase: Phase, limit: Duration) {
        self.phase = phase;
        self.deadline.as_mut().reset(Instant::now() + limit);
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for DeadlineIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.activity.is_busy() {
            this.phase = Phase::Busy;
        } else if this.phase == Phase::Busy {
            let idle = this.idle;
            this.enter(Phase::Idle, idle);
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if this.phase == Phase::Idle && buf.filled().len() > before {
                    let header = this.header;
                    this.enter(Phase::Head, header);
                }
                Poll::Ready(result)
            }
            Poll::Pending if this.phase == Phase::Busy => Poll::Pending,
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    tracing::debug!(phase = ?this.phase, "read deadline passed, closing");
                    Poll::Ready(Ok(()))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for DeadlineIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
