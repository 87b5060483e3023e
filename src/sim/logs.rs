//! placeholder
// TEMPORARY STUB by the lead so the crate compiles; helper-2 replaces this whole file.
pub struct LogSource;
impl LogSource {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        _seed: u64,
        _namespace: &str,
        _pod: &str,
        _container: &str,
        _image: &str,
        _instance: u32,
        _start: jiff::Timestamp,
        _end: Option<jiff::Timestamp>,
    ) -> Self {
        Self
    }
}
pub struct LogOptions {
    pub follow: bool,
    pub tail_lines: Option<i64>,
    pub since_seconds: Option<i64>,
    pub since_time: Option<jiff::Timestamp>,
    pub timestamps: bool,
    pub limit_bytes: Option<i64>,
}
pub fn log_stream(
    _source: LogSource,
    _opts: LogOptions,
    _alive: std::sync::Arc<dyn Fn() -> bool + Send + Sync>,
) -> impl futures::Stream<Item = bytes::Bytes> + Send + 'static {
    futures::stream::empty()
}
