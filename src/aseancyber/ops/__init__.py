"""Running the platform in production: health and readiness, Prometheus metrics, logs."""
