-- 0013: a placeholder for the number that branch scram15 (issue 15,
-- SCRAM login) takes. The loader wants migrations without gaps, and this
-- branch's 0014_mfa follows that one. WHEN MERGING: drop this file in
-- favour of scram15's 0013. It changes nothing.
SELECT 1;
