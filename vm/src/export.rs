//! Export files (.exp, formats 2.1 and 2.3): parse and write.
