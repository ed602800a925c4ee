"""neighbors stage."""
