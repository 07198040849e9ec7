/**
 * What DescribeServices and DescribeSeverityLevels answer: a realistic subset
 * of AWS's service catalogue (codes as AWS spells them) and the severity
 * levels each support plan may use.
 */

export type SupportPlan = "basic" | "developer" | "business" | "enterprise-on-ramp" | "enterprise";

export interface ServiceCategory {
  code: string;
  name: string;
}

export interface ServiceEntry {
  code: string;
  name: string;
  categories: ServiceCategory[];
}

const cat = (code: string, name: string): ServiceCategory => ({ code, name });
const GENERAL = cat("general-guidance", "General Guidance");
const OTHER = cat("other", "Other");

/** Sorted by name, as DescribeServices returns them. */
export const SERVICES: ServiceEntry[] = [
  { code: "amazon-cloudfront", name: "CloudFront", categories: [GENERAL, cat("configuration", "Configuration"), cat("performance", "Performance"), OTHER] },
  { code: "amazon-cloudwatch", name: "CloudWatch", categories: [GENERAL, cat("alarms", "Alarms"), cat("logs", "Logs"), cat("metrics", "Metrics"), OTHER] },
  { code: "amazon-dynamodb", name: "DynamoDB", categories: [GENERAL, cat("performance-throttling", "Performance / Throttling"), cat("data-access", "Data Access"), cat("backup-restore", "Backup and Restore"), OTHER] },
  {
    code: "amazon-elastic-compute-cloud-linux",
    name: "Elastic Compute Cloud (EC2 - Linux)",
    categories: [GENERAL, cat("instance-issue", "Instance Issue"), cat("networking", "Networking"), cat("performance", "Performance"), cat("ebs", "EBS Volumes"), OTHER],
  },
  {
    code: "amazon-elastic-compute-cloud-windows",
    name: "Elastic Compute Cloud (EC2 - Windows)",
    categories: [GENERAL, cat("instance-issue", "Instance Issue"), cat("networking", "Networking"), cat("performance", "Performance"), OTHER],
  },
  { code: "amazon-elastic-kubernetes-service", name: "Elastic Kubernetes Service (EKS)", categories: [GENERAL, cat("cluster-management", "Cluster Management"), cat("networking", "Networking"), cat("node-groups", "Node Groups"), OTHER] },
  { code: "amazon-elastic-load-balancing", name: "Elastic Load Balancing (ELB)", categories: [GENERAL, cat("configuration", "Configuration"), cat("connectivity", "Connectivity"), OTHER] },
  { code: "amazon-relational-database-service-aurora", name: "Relational Database Service (Aurora)", categories: [GENERAL, cat("connectivity", "Connectivity"), cat("performance", "Performance"), cat("backup-restore", "Backup and Restore"), OTHER] },
  { code: "amazon-relational-database-service-mysql", name: "Relational Database Service (MySQL)", categories: [GENERAL, cat("connectivity", "Connectivity"), cat("performance", "Performance"), OTHER] },
  { code: "amazon-route53", name: "Route 53", categories: [GENERAL, cat("dns-resolution", "DNS Resolution"), cat("domain-registration", "Domain Registration"), OTHER] },
  { code: "amazon-simple-queue-service", name: "Simple Queue Service (SQS)", categories: [GENERAL, cat("message-delivery", "Message Delivery"), cat("performance", "Performance"), OTHER] },
  {
    code: "amazon-simple-storage-service",
    name: "Simple Storage Service (S3)",
    categories: [GENERAL, cat("access-issue", "Access Issue"), cat("performance", "Performance"), cat("replication", "Replication"), OTHER],
  },
  { code: "amazon-virtual-private-cloud", name: "Virtual Private Cloud (VPC)", categories: [GENERAL, cat("connectivity", "Connectivity"), cat("vpn", "VPN"), OTHER] },
  { code: "aws-identity-and-access-management", name: "Identity and Access Management (IAM)", categories: [GENERAL, cat("access-denied", "Access Denied"), cat("policies", "Policies"), OTHER] },
  { code: "aws-lambda", name: "Lambda", categories: [GENERAL, cat("function-errors", "Function Errors"), cat("performance", "Performance"), cat("deployment", "Deployment"), OTHER] },
  // Service codes AWS lists without a "general-guidance" category.
  { code: "service-limit-increase", name: "Service Limit Increase", categories: [cat("ec2-instances", "EC2 Instances"), cat("lambda", "Lambda"), cat("dynamodb", "DynamoDB"), cat("other", "Other")] },
  { code: "customer-account", name: "Account", categories: [cat("billing", "Billing"), cat("account-management", "Account Management"), cat("other-account-issues", "Other Account Issues")] },
].sort((a, b) => a.name.localeCompare(b.name));

export interface SeverityLevel {
  code: string;
  name: string;
}

export const SEVERITY_LEVELS: SeverityLevel[] = [
  { code: "low", name: "Low" },
  { code: "normal", name: "Normal" },
  { code: "high", name: "High" },
  { code: "urgent", name: "Urgent" },
  { code: "critical", name: "Critical" },
];

/**
 * Severities per plan, as AWS's plan comparison lists the response times:
 * Developer has general guidance (low) and system impaired (normal);
 * Business adds production system impaired (high) and production system down
 * (urgent); Enterprise On-Ramp and Enterprise add business-critical system down
 * (critical). Basic has no technical cases at all (and no API).
 */
export const SEVERITIES_BY_PLAN: Record<SupportPlan, string[]> = {
  basic: [],
  developer: ["low", "normal"],
  business: ["low", "normal", "high", "urgent"],
  "enterprise-on-ramp": ["low", "normal", "high", "urgent", "critical"],
  enterprise: ["low", "normal", "high", "urgent", "critical"],
};

/** Plans that may call the Support API (Business, Enterprise On-Ramp, Enterprise). */
export const API_PLANS: SupportPlan[] = ["business", "enterprise-on-ramp", "enterprise"];

export const LANGUAGES = ["en", "ja", "zh", "ko"];
