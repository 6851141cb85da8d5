//! Port-forward streams: SPDY/3.1 (kubectl) and WebSocket v4 channels (kube-rs, client-python).
