//! Figures for `jcos bench crypto`, measured on the algorithm layer the natives call.
