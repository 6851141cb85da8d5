//! Table columns and cells (placeholder, filled in below).
