//! Typed requests and responses, one module per command family.

pub mod folder;
