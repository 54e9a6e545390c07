/** Every command id the extension registers; a unit test compares this list with package.json. */
export const CommandIds = {
  setApiKey: 'openrouterLedger.setApiKey',
  setManagementKey: 'openrouterLedger.setManagementKey',
  clearKeys: 'openrouterLedger.clearKeys',
  testKeys: 'openrouterLedger.testKeys',
  refresh: 'openrouterLedger.refresh',
  showLog: 'openrouterLedger.showLog',
  verifyLedger: 'openrouterLedger.verifyLedger',
  importLedger: 'openrouterLedger.importLedger',
  exportLedger: 'openrouterLedger.exportLedger',
  deleteLedgerRowsBefore: 'openrouterLedger.deleteLedgerRowsBefore',
  chat: 'openrouterLedger.chat',
  newChat: 'openrouterLedger.newChat',
  askAboutSelection: 'openrouterLedger.askAboutSelection',
  selectModel: 'openrouterLedger.selectModel',
  refreshModels: 'openrouterLedger.refreshModels',
  // Sidebar (issue 7): keys tree, recent generations, look-up, activity sync and reconciliation.
  refreshKeys: 'openrouterLedger.refreshKeys',
  showDisabledKeys: 'openrouterLedger.showDisabledKeys',
  hideDisabledKeys: 'openrouterLedger.hideDisabledKeys',
  createKey: 'openrouterLedger.createKey',
  renameKey: 'openrouterLedger.renameKey',
  setKeyLimit: 'openrouterLedger.setKeyLimit',
  toggleKey: 'openrouterLedger.toggleKey',
  deleteKey: 'openrouterLedger.deleteKey',
  refreshGenerations: 'openrouterLedger.refreshGenerations',
  loadMoreGenerations: 'openrouterLedger.loadMoreGenerations',
  lookupGeneration: 'openrouterLedger.lookupGeneration',
  copyGenerationId: 'openrouterLedger.copyGenerationId',
  refreshGeneration: 'openrouterLedger.refreshGeneration',
  openGenerationOnOpenRouter: 'openrouterLedger.openGenerationOnOpenRouter',
  syncActivity: 'openrouterLedger.syncActivity',
  reconcile: 'openrouterLedger.reconcile',
  // Spend dashboard and cost view (issue 8).
  openDashboard: 'openrouterLedger.openDashboard',
} as const;

export type CommandId = (typeof CommandIds)[keyof typeof CommandIds];
