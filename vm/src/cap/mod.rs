//! The CAP file model (format 2.1): parse and write every component, JAR and raw forms.
