//! The client's clock: phase timings, per-request timeouts and the polling delays.
//!
//! Natively it is tokio's (so paused-time tests drive it). In the browser (`wasm32`) it is the
//! page's: `performance.now()` through `web-time` and `setTimeout` through `gloo-timers`; the
//! browser runs one thread, so nothing here needs `Send`.

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use tokio::time::{sleep, timeout, Instant};

#[cfg(target_arch = "wasm32")]
pub(crate) use browser::{sleep, timeout, Instant};

#[cfg(target_arch = "wasm32")]
mod browser {
    use std::future::{poll_fn, Future};
    use std::pin::pin;
    use std::task::Poll;
    use std::time::Duration;

    pub(crate) use web_time::Instant;

    /// The time limit of [`timeout`] passed first.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) struct Elapsed;

    /// Waits `duration` (whole milliseconds, at most `u32::MAX` of them).
    pub(crate) async fn sleep(duration: Duration) {
        let millis = u32::try_from(duration.as_millis()).unwrap_or(u32::MAX);
        gloo_timers::future::TimeoutFuture::new(millis).await;
    }

    /// `future`'s output, or [`Elapsed`] when `limit` passes first.
    pub(crate) async fn timeout<F: Future>(
        limit: Duration,
        future: F,
    ) -> Result<F::Output, Elapsed> {
        let mut future = pin!(future);
        let mut timer = pin!(sleep(limit));
        poll_fn(|cx| {
            if let Poll::Ready(output) = future.as_mut().poll(cx) {
                return Poll::Ready(Ok(output));
            }
            timer.as_mut().poll(cx).map(|()| Err(Elapsed))
        })
        .await
    }
}
