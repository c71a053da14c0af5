DROP TABLE promotion_requests;
DROP TABLE stage_approvals;
