//! One module per page.

pub mod account;
pub mod course;
pub mod courses;
pub mod home;
pub mod login;
pub mod not_found;
pub mod register;
