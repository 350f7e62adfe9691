/** The contacts cache: usernames learnt along the way, so no profile look-up is needed for them. */
export interface ContactBook {
  /** Records the usernames (a name already known is kept); resolves once they are stored. */
  remember(contacts: Array<{ customerId: string; username: string }>): Promise<void>;
}
