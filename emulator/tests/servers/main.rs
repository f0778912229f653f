//! The three stand-ins over real sockets: the Connect emulator driven by the real
//! `aws-sdk-connect` client, and the ResponseURL receiver and the Lambda Runtime API driven by a
//! tiny raw HTTP client that controls every byte.

mod connect;
mod raw_http;
mod receiver;
mod runtime_api;
