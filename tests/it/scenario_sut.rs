//! The system-under-test lifecycle: start, readiness, output capture, stop.
