"""Monthly consultation (月会商) actions: what the meeting agreed to do on a pairing, who answers for it, by when."""
