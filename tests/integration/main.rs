//! Integration tests, compiled into one binary to keep link times short.

mod api;
mod cli;
mod common;
mod entities;
mod offsets;
mod openapi;
mod socket;
mod statements;
