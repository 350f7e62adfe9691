/** Whether the CRM can be reached now (the connection pool's last attempt to connect). */
export interface CrmReachability {
  readonly reachable: boolean;
}
