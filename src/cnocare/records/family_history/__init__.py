"""Family history of CNO, psoriasis, IBD and other relevant conditions."""
