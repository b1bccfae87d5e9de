//! Bundle cases through the service.
