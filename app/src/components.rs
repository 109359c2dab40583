//! Reusable pieces of the interface: layout, forms, errors, tables.

pub mod console_links;
pub mod console_nav;
pub mod error_view;
pub mod form;
pub mod layout;
pub mod membership;
pub mod roster;
pub mod sharing;
