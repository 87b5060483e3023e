//! Human-readable durations exactly as Kubernetes prints them (apimachinery `duration.HumanDuration`).
