//! Integration tests: the real router over a real SQLite file, and the real binary.

mod helpers;

mod binary;
mod health;
mod pages;
