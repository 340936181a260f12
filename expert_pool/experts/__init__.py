"""Expert records (专家库): identity (encrypted ID numbers), employment, leave, declarations, their import."""
