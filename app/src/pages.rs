//! One module per page.

pub mod account;
pub mod account_settings;
pub mod activation;
pub mod admin;
pub mod console;
pub mod course;
pub mod course_team;
pub mod courses;
pub mod credentials;
pub mod home;
pub mod libraries;
pub mod library;
pub mod login;
pub mod not_found;
pub mod records;
pub mod register;
pub mod retirements;
pub mod second_factor;
pub mod users;
