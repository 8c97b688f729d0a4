"""Python-side analysis: the trends model (scikit-learn), insight texts, reports."""
