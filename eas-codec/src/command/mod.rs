//! Typed requests and responses, one module per command family.

pub mod folder;
pub mod move_items;
pub mod ping;
