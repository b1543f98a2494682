# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'main_window.ui'
##
## Created by: Qt User Interface Compiler version 6.11.3
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from PySide6.QtCore import (QCoreApplication, QDate, QDateTime, QLocale,
    QMetaObject, QObject, QPoint, QRect,
    QSize, QTime, QUrl, Qt)
from PySide6.QtGui import (QAction, QBrush, QColor, QConicalGradient,
    QCursor, QFont, QFontDatabase, QGradient,
    QIcon, QImage, QKeySequence, QLinearGradient,
    QPainter, QPalette, QPixmap, QRadialGradient,
    QTransform)
from PySide6.QtWidgets import (QApplication, QMainWindow, QMenu, QMenuBar,
    QSizePolicy, QStatusBar, QVBoxLayout, QWidget)

from reviewstation.gui.widgets.banner import ClassificationBanner

class Ui_MainWindow(object):
    def setupUi(self, MainWindow):
        if not MainWindow.objectName():
            MainWindow.setObjectName(u"MainWindow")
        MainWindow.resize(1000, 680)
        MainWindow.setWindowTitle(u"ReviewStation")
        self.actionLock = QAction(MainWindow)
        self.actionLock.setObjectName(u"actionLock")
        self.actionSettings = QAction(MainWindow)
        self.actionSettings.setObjectName(u"actionSettings")
        self.actionExportCard = QAction(MainWindow)
        self.actionExportCard.setObjectName(u"actionExportCard")
        self.actionNewReview = QAction(MainWindow)
        self.actionNewReview.setObjectName(u"actionNewReview")
        self.actionRefresh = QAction(MainWindow)
        self.actionRefresh.setObjectName(u"actionRefresh")
        self.actionQuit = QAction(MainWindow)
        self.actionQuit.setObjectName(u"actionQuit")
        self.centralwidget = QWidget(MainWindow)
        self.centralwidget.setObjectName(u"centralwidget")
        self.outerLayout = QVBoxLayout(self.centralwidget)
        self.outerLayout.setSpacing(0)
        self.outerLayout.setObjectName(u"outerLayout")
        self.outerLayout.setContentsMargins(0, 0, 0, 0)
        self.topBanner = ClassificationBanner(self.centralwidget)
        self.topBanner.setObjectName(u"topBanner")

        self.outerLayout.addWidget(self.topBanner)

        self.appMenuBar = QMenuBar(self.centralwidget)
        self.appMenuBar.setObjectName(u"appMenuBar")
        self.appMenuBar.setNativeMenuBar(False)
        self.menuFile = QMenu(self.appMenuBar)
        self.menuFile.setObjectName(u"menuFile")
        self.menuReview = QMenu(self.appMenuBar)
        self.menuReview.setObjectName(u"menuReview")

        self.outerLayout.addWidget(self.appMenuBar)

        self.contentArea = QWidget(self.centralwidget)
        self.contentArea.setObjectName(u"contentArea")
        sizePolicy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        sizePolicy.setHorizontalStretch(0)
        sizePolicy.setVerticalStretch(1)
        sizePolicy.setHeightForWidth(self.contentArea.sizePolicy().hasHeightForWidth())
        self.contentArea.setSizePolicy(sizePolicy)
        self.contentLayout = QVBoxLayout(self.contentArea)
        self.contentLayout.setObjectName(u"contentLayout")
        self.contentLayout.setContentsMargins(6, 6, 6, 0)

        self.outerLayout.addWidget(self.contentArea)

        self.appStatusBar = QStatusBar(self.centralwidget)
        self.appStatusBar.setObjectName(u"appStatusBar")
        self.appStatusBar.setSizeGripEnabled(False)

        self.outerLayout.addWidget(self.appStatusBar)

        self.bottomBanner = ClassificationBanner(self.centralwidget)
        self.bottomBanner.setObjectName(u"bottomBanner")

        self.outerLayout.addWidget(self.bottomBanner)

        MainWindow.setCentralWidget(self.centralwidget)

        self.appMenuBar.addAction(self.menuFile.menuAction())
        self.appMenuBar.addAction(self.menuReview.menuAction())
        self.menuFile.addAction(self.actionLock)
        self.menuFile.addAction(self.actionSettings)
        self.menuFile.addAction(self.actionExportCard)
        self.menuFile.addSeparator()
        self.menuFile.addAction(self.actionQuit)
        self.menuReview.addAction(self.actionNewReview)
        self.menuReview.addAction(self.actionRefresh)

        self.retranslateUi(MainWindow)

        QMetaObject.connectSlotsByName(MainWindow)
    # setupUi

    def retranslateUi(self, MainWindow):
        self.actionLock.setText(QCoreApplication.translate("MainWindow", u"&Lock", None))
#if QT_CONFIG(tooltip)
        self.actionLock.setToolTip(QCoreApplication.translate("MainWindow", u"Lock the vault and return to the unlock dialog", None))
#endif // QT_CONFIG(tooltip)
#if QT_CONFIG(shortcut)
        self.actionLock.setShortcut(QCoreApplication.translate("MainWindow", u"Ctrl+L", None))
#endif // QT_CONFIG(shortcut)
        self.actionSettings.setText(QCoreApplication.translate("MainWindow", u"&Settings\u2026", None))
#if QT_CONFIG(tooltip)
        self.actionSettings.setToolTip(QCoreApplication.translate("MainWindow", u"Idle auto-lock and other settings", None))
#endif // QT_CONFIG(tooltip)
#if QT_CONFIG(shortcut)
        self.actionSettings.setShortcut(QCoreApplication.translate("MainWindow", u"Ctrl+,", None))
#endif // QT_CONFIG(shortcut)
        self.actionExportCard.setText(QCoreApplication.translate("MainWindow", u"&Export my identity card\u2026", None))
#if QT_CONFIG(tooltip)
        self.actionExportCard.setToolTip(QCoreApplication.translate("MainWindow", u"Write your public identity card, for those who verify your packages", None))
#endif // QT_CONFIG(tooltip)
        self.actionNewReview.setText(QCoreApplication.translate("MainWindow", u"&New review\u2026", None))
#if QT_CONFIG(tooltip)
        self.actionNewReview.setToolTip(QCoreApplication.translate("MainWindow", u"Record a new submission for review", None))
#endif // QT_CONFIG(tooltip)
#if QT_CONFIG(shortcut)
        self.actionNewReview.setShortcut(QCoreApplication.translate("MainWindow", u"Ctrl+N", None))
#endif // QT_CONFIG(shortcut)
        self.actionRefresh.setText(QCoreApplication.translate("MainWindow", u"&Refresh", None))
#if QT_CONFIG(tooltip)
        self.actionRefresh.setToolTip(QCoreApplication.translate("MainWindow", u"Read the reviews and the current page again", None))
#endif // QT_CONFIG(tooltip)
#if QT_CONFIG(shortcut)
        self.actionRefresh.setShortcut(QCoreApplication.translate("MainWindow", u"F5", None))
#endif // QT_CONFIG(shortcut)
        self.actionQuit.setText(QCoreApplication.translate("MainWindow", u"&Quit", None))
#if QT_CONFIG(tooltip)
        self.actionQuit.setToolTip(QCoreApplication.translate("MainWindow", u"Lock the vault and quit ReviewStation", None))
#endif // QT_CONFIG(tooltip)
#if QT_CONFIG(shortcut)
        self.actionQuit.setShortcut(QCoreApplication.translate("MainWindow", u"Ctrl+Q", None))
#endif // QT_CONFIG(shortcut)
        self.menuFile.setTitle(QCoreApplication.translate("MainWindow", u"&File", None))
        self.menuReview.setTitle(QCoreApplication.translate("MainWindow", u"&Review", None))
        pass
    # retranslateUi

