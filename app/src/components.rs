//! Reusable pieces of the interface: layout, forms, errors, tables.

pub mod async_section;
pub mod console_links;
pub mod console_nav;
pub mod error_view;
pub mod form;
pub mod form_parts;
pub mod layout;
pub mod membership;
pub mod roster;
pub mod sharing;
pub mod table;
