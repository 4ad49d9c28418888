//! The SQLite implementation of the storage seam's async traits, one file per group of traits:
//! each answer is the function of the same name in this implementation's modules, on the sqlx
//! pool.

mod accounts;
mod alerting;
mod catalog;
mod coordination;
mod passwords;
